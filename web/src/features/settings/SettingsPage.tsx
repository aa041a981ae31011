import { Tabs } from '@mantine/core';
import { IconKey, IconTruckDelivery, IconUsers } from '@tabler/icons-react';
import { useSearchParams } from 'react-router';
import { usePermissions } from '../../auth/use-me.ts';
import { PageHeader } from '../../components/PageHeader.tsx';
import { DeliverySettingsPanel } from './DeliverySettingsPanel.tsx';
import { TokensPanel } from './TokensPanel.tsx';
import { UsersPanel } from './UsersPanel.tsx';

/** Settings: users and API tokens (admins), and how messages are delivered (everyone reads it, admins change it). */
export function SettingsPage() {
  const { isAdmin } = usePermissions();
  const [params, setParams] = useSearchParams();
  const tabs = isAdmin ? ['users', 'tokens', 'delivery'] : ['delivery'];
  const tab = tabs.find((name) => name === params.get('tab')) ?? tabs[0]!;
  return (
    <>
      <PageHeader title="Settings" description={isAdmin ? 'Who can use Herald, which programs can call its API, and how messages are delivered.' : 'How messages are delivered.'} />
      <Tabs value={tab} keepMounted={false} onChange={(value) => setParams(value && value !== tabs[0] ? { tab: value } : {}, { replace: true })}>
        <Tabs.List mb="lg">
          {isAdmin && <Tabs.Tab value="users" leftSection={<IconUsers size={16} />}>Users</Tabs.Tab>}
          {isAdmin && <Tabs.Tab value="tokens" leftSection={<IconKey size={16} />}>API tokens</Tabs.Tab>}
          <Tabs.Tab value="delivery" leftSection={<IconTruckDelivery size={16} />}>Delivery</Tabs.Tab>
        </Tabs.List>
        {isAdmin && <Tabs.Panel value="users"><UsersPanel /></Tabs.Panel>}
        {isAdmin && <Tabs.Panel value="tokens"><TokensPanel /></Tabs.Panel>}
        <Tabs.Panel value="delivery"><DeliverySettingsPanel /></Tabs.Panel>
      </Tabs>
    </>
  );
}
