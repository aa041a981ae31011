import '@mantine/charts/styles.css';
import { BarChart } from '@mantine/charts';
import { Group, Paper, Stack, Text, Title } from '@mantine/core';
import type { QueueStats } from '@herald/shared';
import { useMemo } from 'react';
import { throughputChartData, throughputTotals } from './queue-view.ts';

function Figure({ label, value, color }: { label: string; value: number; color?: string }) {
  return (
    <Stack gap={0}>
      <Text fz="xs" c="dimmed">{label}</Text>
      <Text fz="lg" fw={700} c={color}>{value.toLocaleString()}</Text>
    </Stack>
  );
}

/**
 * Messages sent, retried (a send failed and will be tried again) and failed for good per minute
 * over the last hour, with the hour's totals: retries climbing are the first sign of a provider
 * in trouble, long before anything fails for good.
 */
export function ThroughputChart({ throughput }: { throughput: QueueStats['throughput'] }) {
  const data = useMemo(() => throughputChartData(throughput), [throughput]);
  const totals = useMemo(() => throughputTotals(throughput), [throughput]);
  return (
    <Paper withBorder radius="lg" p="md" component="section" aria-label="Throughput" h="100%">
      <Group justify="space-between" align="flex-start" mb="sm" gap="sm">
        <Stack gap={0}>
          <Title order={2} fz="md">Throughput</Title>
          <Text fz="xs" c="dimmed">Messages per minute, last hour</Text>
        </Stack>
        <Group gap="lg" data-testid="throughput-totals">
          <Figure label="Sent" value={totals.sent} color="teal.7" />
          <Figure label="Retried" value={totals.retried} color={totals.retried > 0 ? 'orange.8' : undefined} />
          <Figure label="Failed" value={totals.failed} color={totals.failed > 0 ? 'red.7' : undefined} />
          <Figure label="Busiest minute" value={totals.peakPerMinute} />
        </Group>
      </Group>
      <BarChart
        h={220}
        data={data}
        dataKey="minute"
        type="stacked"
        series={[{ name: 'sent', label: 'Sent', color: 'teal.6' }, { name: 'retried', label: 'Retried', color: 'orange.5' }, { name: 'failed', label: 'Failed', color: 'red.6' }]}
        tickLine="y"
        gridAxis="x"
        withLegend
        legendProps={{ verticalAlign: 'bottom', height: 28 }}
        xAxisProps={{ interval: 'preserveStartEnd', minTickGap: 24 }}
        yAxisProps={{ allowDecimals: false, width: 40 }}
        valueFormatter={(value) => value.toLocaleString()}
        tooltipAnimationDuration={0}
        barChartProps={{ barCategoryGap: 1 }}
        aria-label="Messages sent, retried and failed per minute over the last hour"
      />
    </Paper>
  );
}
