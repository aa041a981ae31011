import { Alert, Button, Code, FileInput, Group, Modal, Progress, ScrollArea, SimpleGrid, Stack, Table, Text, ThemeIcon } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { IconAlertTriangle, IconCircleCheck, IconFileTypeCsv, IconUpload } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import type { ImportJob } from '@herald/shared';
import { StatusBadge } from '../../components/badges.tsx';
import { ApiError } from '../../lib/api.ts';
import { messageOf } from '../../lib/notify.ts';
import { useIsMobile } from '../../lib/use-is-mobile.ts';
import { recipientKeys, useImportRecipients, useJob } from './api.ts';
import { csvFileProblem, refusalSummary } from './import-file.ts';

/** A refused row (`row` is the line of the file, the header is 1) or a problem with the whole file. */
type RowIssue = { row?: number; field: string; rule: string; message: string };

function IssueTable({ issues }: { issues: RowIssue[] }) {
  const hasRows = issues.some((issue) => issue.row !== undefined);
  return (
    <ScrollArea.Autosize mah={260} type="auto">
      <Table fz="sm" striped withTableBorder verticalSpacing={6} data-testid="import-issues">
        <Table.Thead>
          <Table.Tr>
            {hasRows && <Table.Th w={60}>Row</Table.Th>}
            <Table.Th>Column</Table.Th>
            <Table.Th>Problem</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {issues.map((issue, index) => (
            <Table.Tr key={index}>
              {hasRows && <Table.Td>{issue.row ?? ''}</Table.Td>}
              <Table.Td>
                <Code>{issue.field}</Code>
                <Text fz="xs" c="dimmed">{issue.rule}</Text>
              </Table.Td>
              <Table.Td>{issue.message}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </ScrollArea.Autosize>
  );
}

function JobProgress({ job }: { job: ImportJob }) {
  const percent = job.total > 0 ? Math.round((job.processed / job.total) * 100) : job.status === 'running' ? 0 : 100;
  const isDone = job.status !== 'running';
  return (
    <Stack gap="md">
      <Group justify="space-between">
        <Group gap={8}>
          {isDone && job.status === 'completed' ? (
            <ThemeIcon color="teal" variant="light" radius="xl"><IconCircleCheck size={18} /></ThemeIcon>
          ) : null}
          <Text fw={600}>{isDone ? 'Import finished' : 'Importing…'}</Text>
        </Group>
        <StatusBadge status={job.status} />
      </Group>
      <Progress value={percent} size="lg" radius="xl" animated={!isDone} aria-label="Import progress" striped={!isDone} />
      <Text fz="sm" c="dimmed">{job.processed} of {job.total} rows processed</Text>
      <SimpleGrid cols={3}>
        {[
          ['Rows', job.total, undefined],
          ['Imported', job.succeeded, 'teal'],
          ['Failed', job.failed, job.failed > 0 ? 'red' : undefined],
        ].map(([label, value, color]) => (
          <Stack key={String(label)} gap={0} p="sm" style={{ border: '1px solid var(--mantine-color-gray-3)', borderRadius: 'var(--mantine-radius-md)' }}>
            <Text fz="xs" c="dimmed" tt="uppercase" fw={600}>{label}</Text>
            <Text fz="xl" fw={700} c={color as string | undefined}>{value}</Text>
          </Stack>
        ))}
      </SimpleGrid>
      {job.errors.length > 0 && (
        <Stack gap={6}>
          <Text fz="sm" fw={600}>Rows that were not imported</Text>
          <IssueTable issues={job.errors} />
        </Stack>
      )}
    </Stack>
  );
}

function ImportFlow({ onClose }: { onClose: () => void }) {
  const queryClient = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const [jobId, setJobId] = useState<string | null>(null);
  const upload = useImportRecipients();
  const job = useJob(jobId);
  const isFinished = job.data && job.data.status !== 'running';

  useEffect(() => {
    if (isFinished) void queryClient.invalidateQueries({ queryKey: recipientKeys.all });
  }, [isFinished, queryClient]);

  const fileError = file ? csvFileProblem(file) : null;
  const start = () => {
    if (!file || fileError) return;
    upload.mutate(file, { onSuccess: (started) => setJobId(started.id) });
  };

  if (jobId) {
    return (
      <Stack gap="lg">
        {job.data ? <JobProgress job={job.data} /> : <Progress value={100} animated striped aria-label="Import progress" />}
        {job.isError && <Alert color="red" icon={<IconAlertTriangle size={18} />}>{messageOf(job.error)}</Alert>}
        <Group justify="flex-end">
          <Button onClick={onClose} variant={isFinished ? 'filled' : 'default'}>{isFinished ? 'Done' : 'Close (keeps importing)'}</Button>
        </Group>
      </Stack>
    );
  }

  const refusal = upload.error instanceof ApiError ? upload.error : null;
  return (
    <Stack gap="md">
      <Text fz="sm">
        A CSV file (up to 50 MB) with a header row. <Code>externalId</Code> is required; <Code>email</Code>, <Code>phone</Code>, <Code>name</Code>,{' '}
        <Code>timezone</Code>, <Code>locale</Code>, <Code>isActive</Code>, <Code>optedOutChannels</Code> (e.g. <Code>email;sms</Code>) and{' '}
        <Code>quietHours</Code> (e.g. <Code>22:00-07:00</Code>, or <Code>none</Code>) are optional, and any other column becomes an attribute. Existing recipients (same externalId) are updated. One bad row and
        nothing is imported: you get the list of rows to fix.
      </Text>
      <FileInput
        label="CSV file"
        placeholder="Choose a .csv file"
        accept=".csv,text/csv"
        leftSection={<IconFileTypeCsv size={18} />}
        value={file}
        error={fileError}
        onChange={(next) => {
          setFile(next);
          upload.reset();
        }}
        clearable
      />
      {upload.isError && (
        <Alert color="red" variant="light" icon={<IconAlertTriangle size={18} />} title="The file was refused" role="alert">
          <Stack gap="sm">
            <Text fz="sm">{refusal ? refusalSummary(refusal.issues, refusal.message) : messageOf(upload.error)}</Text>
            {refusal && refusal.issues.length > 0 && <IssueTable issues={refusal.issues} />}
          </Stack>
        </Alert>
      )}
      <Group justify="flex-end" gap="xs">
        <Button variant="default" onClick={onClose}>Cancel</Button>
        <Button leftSection={<IconUpload size={16} />} disabled={!file || Boolean(fileError)} loading={upload.isPending} onClick={start}>Upload</Button>
      </Group>
    </Stack>
  );
}

/** CSV import: pick a file, upload it, watch the job, read the summary. */
export function ImportRecipientsModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const isMobile = useIsMobile();
  return (
    <Modal opened={opened} onClose={onClose} title="Import recipients" size="lg" fullScreen={isMobile}>
      {opened && <ImportFlow onClose={onClose} />}
    </Modal>
  );
}
