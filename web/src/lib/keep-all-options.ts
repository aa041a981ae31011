import type { OptionsFilter } from '@mantine/core';

/** A combobox filter that keeps every option: the server already filtered them by the search. */
export const keepAllOptions: OptionsFilter = ({ options }) => options;
