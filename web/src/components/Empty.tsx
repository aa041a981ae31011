import { EmptyState, Paper } from '@mantine/core';
import type { ReactNode } from 'react';

/** An empty list that says what belongs here and how to add the first one. */
export function Empty({ icon, title, description, action }: { icon: ReactNode; title: string; description?: ReactNode; action?: ReactNode }) {
  return (
    <Paper withBorder radius="lg" py={48} px="md">
      <EmptyState icon={icon} title={title} description={description} variant="light">
        {action && <EmptyState.Actions>{action}</EmptyState.Actions>}
      </EmptyState>
    </Paper>
  );
}
