import { Button, Center, Loader } from '@mantine/core';
import { IconMoodEmpty } from '@tabler/icons-react';
import { BrowserRouter, Link, Navigate, Route, Routes } from 'react-router';
import { SignInPage } from '../auth/SignInPage.tsx';
import { useMe, usePermissions } from '../auth/use-me.ts';
import { Empty } from '../components/Empty.tsx';
import { QueryError } from '../components/QueryError.tsx';
import { RecipientsPage } from '../features/recipients/RecipientsPage.tsx';
import { SchedulePage } from '../features/schedules/SchedulePage.tsx';
import { SchedulesPage } from '../features/schedules/SchedulesPage.tsx';
import { SettingsPage } from '../features/settings/SettingsPage.tsx';
import { TemplatesPage } from '../features/templates/TemplatesPage.tsx';
import { AppLayout } from './AppLayout.tsx';
import { SegmentsRoute } from './SegmentsRoute.tsx';

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
  const { isAdmin } = usePermissions();
  return (
    <AppLayout>
      <Routes>
        <Route path="/" element={<Navigate to="/schedules" replace />} />
        <Route path="/schedules" element={<SchedulesPage />} />
        <Route path="/schedules/:id" element={<SchedulePage />} />
        <Route path="/templates" element={<TemplatesPage />} />
        <Route path="/recipients" element={<RecipientsPage />} />
        <Route path="/segments/*" element={<SegmentsRoute />} />
        <Route path="/settings" element={isAdmin ? <SettingsPage /> : <Navigate to="/schedules" replace />} />
        <Route path="/login" element={<Navigate to="/schedules" replace />} />
        <Route path="*" element={<NotFound />} />
      </Routes>
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
