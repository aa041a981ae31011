import { Button, Center, Loader } from '@mantine/core';
import { IconMoodEmpty } from '@tabler/icons-react';
import { lazy, Suspense } from 'react';
import { BrowserRouter, Link, Navigate, Route, Routes } from 'react-router';
import { SignInPage } from '../auth/SignInPage.tsx';
import { useMe } from '../auth/use-me.ts';
import { Empty } from '../components/Empty.tsx';
import { QueryError } from '../components/QueryError.tsx';
import { AppLayout } from './AppLayout.tsx';
import { SegmentsRoute } from './SegmentsRoute.tsx';

// Each area loads when first visited, so the sign-in page and the first screen come up fast.
const SchedulesPage = lazy(() => import('../features/schedules/SchedulesPage.tsx').then((module) => ({ default: module.SchedulesPage })));
const SchedulePage = lazy(() => import('../features/schedules/SchedulePage.tsx').then((module) => ({ default: module.SchedulePage })));
const TemplatesPage = lazy(() => import('../features/templates/TemplatesPage.tsx').then((module) => ({ default: module.TemplatesPage })));
const RecipientsPage = lazy(() => import('../features/recipients/RecipientsPage.tsx').then((module) => ({ default: module.RecipientsPage })));
const QueuePage = lazy(() => import('../features/queue/QueuePage.tsx').then((module) => ({ default: module.QueuePage })));
const SettingsPage = lazy(() => import('../features/settings/SettingsPage.tsx').then((module) => ({ default: module.SettingsPage })));

function PageLoading() {
  return <Center py={80}><Loader aria-label="Loading" /></Center>;
}

function NotFound() {
  return (
    <Empty
      icon={<IconMoodEmpty size={28} />}
      title="Nothing here"
      description="This page does not exist or was moved."
      action={<Button component={Link} to="/schedules">Go to schedules</Button>}
    />
  );
}

function SignedInRoutes() {
  return (
    <AppLayout>
      <Suspense fallback={<PageLoading />}>
        <Routes>
          <Route path="/" element={<Navigate to="/schedules" replace />} />
          <Route path="/schedules" element={<SchedulesPage />} />
          <Route path="/schedules/:id" element={<SchedulePage />} />
          <Route path="/templates" element={<TemplatesPage />} />
          <Route path="/recipients" element={<RecipientsPage />} />
          <Route path="/segments/*" element={<SegmentsRoute />} />
          <Route path="/queue" element={<QueuePage />} />
          <Route path="/settings" element={<SettingsPage />} />
          <Route path="/login" element={<Navigate to="/schedules" replace />} />
          <Route path="*" element={<NotFound />} />
        </Routes>
      </Suspense>
    </AppLayout>
  );
}

/** Sign-in until someone is signed in, then the app. The URL survives signing in. */
export function App() {
  const me = useMe();
  if (me.isPending) {
    return <Center h="100dvh"><Loader aria-label="Loading Herald" /></Center>;
  }
  if (me.isError) {
    return <Center h="100dvh" p="md"><QueryError error={me.error} what="Herald" onRetry={() => void me.refetch()} /></Center>;
  }
  return <BrowserRouter>{me.data ? <SignedInRoutes /> : <SignInPage />}</BrowserRouter>;
}
