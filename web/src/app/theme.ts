import { createTheme, type MantineColorsTuple } from '@mantine/core';

const herald: MantineColorsTuple = ['#eef2ff', '#e0e7ff', '#c7d2fe', '#a5b4fc', '#818cf8', '#6366f1', '#4f46e5', '#4338ca', '#3730a3', '#312e81'];

/** Herald's look: indigo, rounded, calm. */
export const theme = createTheme({
  primaryColor: 'herald',
  primaryShade: 6,
  colors: { herald },
  defaultRadius: 'md',
  fontFamily: 'Inter, ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
  headings: { fontWeight: '700' },
  cursorType: 'pointer',
  components: {
    // Required inputs say so to screen readers (aria-required) and with their error; a visible
    // asterisk would also become part of the label text that people and tests look for.
    ...Object.fromEntries(
      ['TextInput', 'Textarea', 'PasswordInput', 'Select', 'MultiSelect', 'Autocomplete', 'JsonInput', 'DateInput', 'TimeInput', 'DateTimePicker', 'FileInput'].map(
        (name) => [name, { defaultProps: { withAsterisk: false } }],
      ),
    ),
    Modal: { defaultProps: { radius: 'lg', overlayProps: { backgroundOpacity: 0.45, blur: 2 } } },
    Card: { defaultProps: { radius: 'lg', withBorder: true } },
    Tooltip: { defaultProps: { withArrow: true, openDelay: 300 } },
  },
});
