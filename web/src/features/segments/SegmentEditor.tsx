import { Alert, Anchor, Box, Button, Grid, Group, Paper, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconAlertTriangle, IconArrowLeft, IconDeviceFloppy, IconTrash } from '@tabler/icons-react';
import { useEffect, useMemo, useState } from 'react';
import type { Segment } from '@herald/shared';
import { Link, useNavigate } from 'react-router';
import { usePermissions } from '../../auth/use-me.ts';
import { PageHeader } from '../../components/PageHeader.tsx';
import type { FieldIssue } from '../../lib/api.ts';
import { issuesOf } from '../../lib/form-errors.ts';
import { messageOf, notifyError, notifySuccess } from '../../lib/notify.ts';
import { useFieldCatalog, useSaveSegment, useSegmentPreview } from './api.ts';
import type { BuilderContext } from './builder-context.ts';
import { DeleteSegmentModal } from './DeleteSegmentModal.tsx';
import { formatRecipients, PreviewPanel } from './PreviewPanel.tsx';
import { fieldKeysOf, placeIssues, toHeraldQuery, type BuilderGroup, type Owner } from './query-convert.ts';
import { builderFieldsOf, SegmentBuilder } from './SegmentBuilder.tsx';

const everyoneQuery = JSON.stringify({ AND: [] });

function isQueryIssue(issue: FieldIssue): boolean {
  return issue.field === 'query' || issue.field.startsWith('query.');
}

/** What the preview's failure means for a person: fix the marked criteria, or the API's own words. */
function previewProblem(error: unknown, placedCount: number, unplaced: readonly FieldIssue[]): string | null {
  if (!error) return null;
  if (unplaced.length > 0) return unplaced.map((issue) => issue.message).join('\n');
  if (placedCount > 0) return 'Fix the criteria marked in red to see who matches.';
  return messageOf(error);
}

type SegmentEditorProps = { segment?: Segment; initialQuery: BuilderGroup };

/** Builds or edits a segment: name, criteria, and the count and sample as the criteria change. */
export function SegmentEditor({ segment, initialQuery }: SegmentEditorProps) {
  const navigate = useNavigate();
  const { canWrite } = usePermissions();
  const catalog = useFieldCatalog();
  const save = useSaveSegment();
  const [name, setName] = useState(segment?.name ?? '');
  const [description, setDescription] = useState(segment?.description ?? '');
  const [root, setRoot] = useState<BuilderGroup>(initialQuery);
  const [nameError, setNameError] = useState<string | null>(null);
  const [saveIssues, setSaveIssues] = useState<{ issues: FieldIssue[]; owners: Owner[] } | null>(null);
  const [isIncompleteAnError, setIncompleteAnError] = useState(false);
  const [isDeleteOpen, setDeleteOpen] = useState(false);

  // Fields the query names but the catalog no longer lists stay usable: recompute only when that set changes.
  const usedKeys = fieldKeysOf(root).join('\n');
  const fields = useMemo(() => builderFieldsOf(catalog.data?.items ?? [], usedKeys ? usedKeys.split('\n') : []), [catalog.data, usedKeys]);
  const exported = useMemo(() => toHeraldQuery(root, fields), [root, fields]);

  // The count follows the criteria 400 ms behind the editing.
  const [settled] = useDebouncedValue(exported, 400);
  const preview = useSegmentPreview(catalog.data ? JSON.stringify(settled.query) : null);
  const everyone = useSegmentPreview(everyoneQuery, 0);
  const previewPlaced = useMemo(() => placeIssues(issuesOf(preview.error), settled.owners), [preview.error, settled.owners]);
  const savePlaced = useMemo(() => (saveIssues ? placeIssues(saveIssues.issues, saveIssues.owners).byId : {}), [saveIssues]);
  const context = useMemo<BuilderContext>(
    () => ({ errors: { ...previewPlaced.byId, ...savePlaced }, incomplete: exported.incomplete, isIncompleteAnError }),
    [previewPlaced.byId, savePlaced, exported.incomplete, isIncompleteAnError],
  );
  const incompleteCount = Object.keys(exported.incomplete).length;
  // What the saved query looks like once read into the builder and written back (the builder
  // may write an equal query differently), so only real edits count as unsaved changes.
  const savedQuery = useMemo(
    () => (catalog.data ? JSON.stringify(toHeraldQuery(initialQuery, builderFieldsOf(catalog.data.items, fieldKeysOf(initialQuery))).query) : null),
    [catalog.data, initialQuery],
  );
  const isChanged = name.trim() !== (segment?.name ?? '') || description.trim() !== (segment?.description ?? '') || incompleteCount > 0
    || (savedQuery !== null && JSON.stringify(exported.query) !== savedQuery);
  // Closing the tab with unsaved changes asks first.
  useEffect(() => {
    if (!isChanged || !canWrite) return undefined;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [isChanged, canWrite]);
  const problem = previewProblem(preview.error, Object.keys(previewPlaced.byId).length, previewPlaced.unplaced)
    ?? (catalog.isError ? `The fields could not be loaded: ${messageOf(catalog.error)}` : null);

  const changeQuery = (next: BuilderGroup) => {
    setRoot(next);
    setSaveIssues(null);
  };

  const submit = () => {
    const trimmed = name.trim();
    if (!trimmed) setNameError('Give the segment a name');
    if (incompleteCount > 0) setIncompleteAnError(true);
    if (!trimmed || incompleteCount > 0) {
      if (incompleteCount > 0) notifyError(new Error('Complete or remove the criteria marked in red.'), 'Not saved');
      return;
    }
    const { owners, query } = exported;
    save.mutate(
      { id: segment?.id, input: { name: trimmed, description: description.trim(), query } },
      {
        onSuccess: (saved) => {
          setSaveIssues(null);
          setIncompleteAnError(false);
          notifySuccess(`Saved "${saved.name}"${saved.size !== null ? `: ${formatRecipients(saved.size)}` : ''}`);
          if (!segment) void navigate(`/segments/${saved.id}`, { replace: true });
        },
        onError: (error) => {
          const issues = issuesOf(error);
          const nameIssue = issues.find((issue) => issue.field === 'name');
          if (nameIssue) setNameError(nameIssue.message);
          setSaveIssues({ issues: issues.filter(isQueryIssue), owners });
          const rest = issues.filter((issue) => issue.field !== 'name' && !isQueryIssue(issue));
          if (issues.length === 0 || rest.length > 0) notifyError(error, 'Not saved', rest);
        },
      },
    );
  };

  const saveButton = (testId: string, isShort = false) => (
    <Button leftSection={<IconDeviceFloppy size={16} />} onClick={submit} loading={save.isPending} disabled={!canWrite} data-testid={testId} style={{ flexShrink: 0 }}>
      {segment ? 'Save' : 'Create'}{isShort ? '' : ' segment'}
    </Button>
  );

  return (
    <>
      <Anchor component={Link} to="/segments" fz="sm" mb={6} display="inline-flex" style={{ alignItems: 'center', gap: 4 }}>
        <IconArrowLeft size={14} /> Segments
      </Anchor>
      <PageHeader
        title={segment ? segment.name : 'New segment'}
        description="Recipients who match these criteria when a schedule sends. The count below follows your edits."
        actions={(
          <>
            {segment && isChanged && <Text fz="xs" c="dimmed" visibleFrom="md" data-testid="segment-unsaved">Unsaved changes</Text>}
            {segment && canWrite && <Button variant="default" color="red" leftSection={<IconTrash size={16} />} onClick={() => setDeleteOpen(true)}>Delete</Button>}
            <Box visibleFrom="md">{saveButton('segment-save')}</Box>
          </>
        )}
      />
      <Grid gap="lg">
        <Grid.Col span={{ base: 12, md: 8 }}>
          <Stack gap="md">
            <Paper withBorder radius="lg" p="md">
              <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
                <TextInput
                  label="Name"
                  required
                  placeholder="Premium users in California"
                  value={name}
                  onChange={(event) => {
                    setName(event.currentTarget.value);
                    setNameError(null);
                  }}
                  error={nameError}
                />
                <TextInput label="Description" placeholder="Who they are, what they are for" value={description} onChange={(event) => setDescription(event.currentTarget.value)} />
              </SimpleGrid>
            </Paper>
            <Paper withBorder radius="lg" p={{ base: 'xs', sm: 'md' }} component="section" aria-label="Criteria">
              <Stack gap="xs">
                <Group justify="space-between" gap="xs" px={{ base: 4, sm: 0 }}>
                  <Title order={2} fz="xs" tt="uppercase" c="dimmed" lts={0.6}>Criteria</Title>
                  <Text fz="xs" c="dimmed" visibleFrom="sm">Drag the grip to move a criterion or a group.</Text>
                </Group>
                {catalog.isPending ? (
                  <Text fz="sm" c="dimmed" p="sm">Loading the fields…</Text>
                ) : (
                  <SegmentBuilder query={root} onChange={changeQuery} fields={fields} context={context} />
                )}
                {root.rules.length === 0 && <Text fz="xs" c="dimmed" px={4}>No criteria yet: this segment is everyone. Add a criterion or a group.</Text>}
              </Stack>
            </Paper>
            {saveIssues && saveIssues.issues.length > 0 && Object.keys(savePlaced).length === 0 && (
              <Alert color="red" variant="light" icon={<IconAlertTriangle size={16} />}>{saveIssues.issues.map((issue) => issue.message).join('\n')}</Alert>
            )}
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 4 }}>
          <Box pos={{ base: 'static', md: 'sticky' }} top={76}>
            <PreviewPanel preview={problem ? undefined : preview.data} total={everyone.data?.count} isFetching={preview.isFetching} problem={problem} incompleteCount={incompleteCount} />
          </Box>
        </Grid.Col>
      </Grid>
      <Paper hiddenFrom="md" withBorder shadow="md" radius="lg" p="sm" mt="md" pos="sticky" bottom={8} style={{ zIndex: 5 }}>
        <Group justify="space-between" wrap="nowrap" gap="sm">
          <Text fz="sm" fw={600} truncate>{problem ? 'Check the criteria' : preview.data ? formatRecipients(preview.data.count) : 'Counting…'}</Text>
          {saveButton('segment-save-mobile', true)}
        </Group>
      </Paper>
      {segment && <DeleteSegmentModal segment={isDeleteOpen ? segment : null} onClose={() => setDeleteOpen(false)} onDeleted={() => void navigate('/segments')} />}
    </>
  );
}
