import { Loader, Center } from '@mantine/core';
import { IconFilter } from '@tabler/icons-react';
import { lazy, Suspense, type ComponentType } from 'react';
import { Empty } from '../components/Empty.tsx';
import { PageHeader } from '../components/PageHeader.tsx';

// The segment builder lives in features/segments and is built separately; it is loaded only
// when its page exists, so this app builds with or without it.
const pageModules = import.meta.glob(['../features/segments/index.ts', '../features/segments/SegmentsPage.tsx']);

function pickPage(module: unknown): ComponentType {
  const exports = module as { SegmentsPage?: ComponentType; default?: ComponentType };
  const page = exports.SegmentsPage ?? exports.default;
  if (!page) throw new Error('features/segments does not export SegmentsPage');
  return page;
}

const loadPage = pageModules['../features/segments/index.ts'] ?? pageModules['../features/segments/SegmentsPage.tsx'];
const SegmentsPage = loadPage ? lazy(async () => ({ default: pickPage(await loadPage()) })) : null;

function SegmentsComing() {
  return (
    <>
      <PageHeader title="Segments" description="Groups of recipients chosen by their attributes and behaviour." />
      <Empty icon={<IconFilter size={28} />} title="The segment builder is coming" description="Until then, schedule to all users, active users or a test list." />
    </>
  );
}

/** The Segments page, or a note that it is coming. */
export function SegmentsRoute() {
  if (!SegmentsPage) return <SegmentsComing />;
  return (
    <Suspense fallback={<Center py="xl"><Loader /></Center>}>
      <SegmentsPage />
    </Suspense>
  );
}
