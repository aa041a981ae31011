import { Tabs } from '@mantine/core';
import { IconKey, IconUsers } from '@tabler/icons-react';
import { useSearchParams } from 'react-router';
import { PageHeader } from '../../components/PageHeader.tsx';
import { TokensPanel } from './TokensPanel.tsx';
import { UsersPanel } from './UsersPanel.tsx';

/** Admin settings: users and API tokens. */
export function SettingsPage() {
  const [params, setParams] = useSearchParams();
  const tab = params.get('tab') === 'tokens' ? 'tokens' : 'users';
  return (
    <>
      <PageHeader title="Settings" description="Who can use Herald, and which programs can call its API." />
      <Tabs value={tab} onChange={(value) => setParams(value === 'tokens' ? { tab: 'tokens' } : {}, { replace: true })}>
        <Tabs.List mb="lg">
          <Tabs.Tab value="users" leftSection={<IconUsers size={16} />}>Users</Tabs.Tab>
          <Tabs.Tab value="tokens" leftSection={<IconKey size={16} />}>API tokens</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="users"><UsersPanel /></Tabs.Panel>
        <Tabs.Panel value="tokens"><TokensPanel /></Tabs.Panel>
      </Tabs>
    </>
  );
}
