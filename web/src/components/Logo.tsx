import { Group, Text, ThemeIcon } from '@mantine/core';
import { IconSpeakerphone } from '@tabler/icons-react';

/** Herald's mark and name. */
export function Logo({ size = 'md' }: { size?: 'md' | 'lg' }) {
  const isLarge = size === 'lg';
  return (
    <Group gap={8} wrap="nowrap">
      <ThemeIcon size={isLarge ? 40 : 30} radius="md" variant="gradient" gradient={{ from: 'indigo', to: 'violet', deg: 135 }} aria-hidden>
        <IconSpeakerphone size={isLarge ? 22 : 18} stroke={1.8} />
      </ThemeIcon>
      <Text fw={700} fz={isLarge ? 24 : 18} lts={-0.3}>Herald</Text>
    </Group>
  );
}
