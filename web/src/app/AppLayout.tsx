import { AppShell, Avatar, Badge, Burger, Divider, Group, Menu, NavLink, ScrollArea, Stack, Text, UnstyledButton } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { IconApi, IconCalendarTime, IconChevronDown, IconExternalLink, IconFilter, IconLogout, IconSettings, IconStack2, IconTemplate, IconUsers } from '@tabler/icons-react';
import type { ComponentType, ReactNode } from 'react';
import { NavLink as RouterLink, useLocation } from 'react-router';
import { meKey, useMe, usePermissions } from '../auth/use-me.ts';
import { Logo } from '../components/Logo.tsx';
import { api } from '../lib/api.ts';
import { notifyError } from '../lib/notify.ts';

type NavItem = { to: string; label: string; icon: ComponentType<{ size?: number; stroke?: number }>; isAdminOnly?: boolean };

const navItems: NavItem[] = [
  { to: '/schedules', label: 'Schedules', icon: IconCalendarTime },
  { to: '/templates', label: 'Templates', icon: IconTemplate },
  { to: '/recipients', label: 'Recipients', icon: IconUsers },
  { to: '/segments', label: 'Segments', icon: IconFilter },
  { to: '/queue', label: 'Queue', icon: IconStack2 },
  { to: '/settings', label: 'Settings', icon: IconSettings },
];

function useSignOut() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => api.post<void>('/auth/logout'),
    onSuccess: () => {
      queryClient.clear();
      queryClient.setQueryData(meKey, null);
    },
    onError: (error) => notifyError(error, 'Could not sign out'),
  });
}

function initialsOf(name: string | null | undefined, email: string | null | undefined): string {
  const source = (name || email || '?').trim();
  const words = source.split(/[\s@.]+/).filter(Boolean);
  return ((words[0]?.[0] ?? '?') + (words[1]?.[0] ?? '')).toUpperCase();
}

/** The frame of every signed-in page: header, navigation (a burger menu on phones), content. */
export function AppLayout({ children }: { children: ReactNode }) {
  const [isNavOpen, nav] = useDisclosure(false);
  const { data: me } = useMe();
  const { isAdmin } = usePermissions();
  const signOut = useSignOut();
  const location = useLocation();
  const items = navItems.filter((item) => !item.isAdminOnly || isAdmin);

  return (
    <AppShell
      header={{ height: 60 }}
      navbar={{ width: 248, breakpoint: 'sm', collapsed: { mobile: !isNavOpen } }}
      padding={{ base: 'md', sm: 'xl' }}
      bg="var(--mantine-color-gray-0)"
    >
      <AppShell.Header px="md">
        <Group h="100%" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={isNavOpen} onClick={nav.toggle} hiddenFrom="sm" size="sm" aria-label={isNavOpen ? 'Close navigation' : 'Open navigation'} />
            <Logo />
          </Group>
          <Menu position="bottom-end" width={240} shadow="md">
            <Menu.Target>
              <UnstyledButton aria-label="Account menu" data-testid="account-menu">
                <Group gap={8} wrap="nowrap">
                  <Avatar size={32} radius="xl" color="herald" variant="light">{initialsOf(me?.name, me?.email)}</Avatar>
                  <Stack gap={0} visibleFrom="sm">
                    <Text fz="sm" fw={600} lh={1.2}>{me?.name || me?.email}</Text>
                    <Text fz="xs" c="dimmed" lh={1.2}>{me?.role}</Text>
                  </Stack>
                  <IconChevronDown size={14} />
                </Group>
              </UnstyledButton>
            </Menu.Target>
            <Menu.Dropdown>
              <Menu.Label>
                <Text fz="sm" fw={600} c="var(--mantine-color-text)" truncate>{me?.name || me?.email}</Text>
                <Group gap={6}>
                  <Text fz="xs" c="dimmed" truncate>{me?.email}</Text>
                  <Badge size="xs" variant="light">{me?.role}</Badge>
                </Group>
              </Menu.Label>
              <Menu.Divider />
              <Menu.Item component="a" href="/docs" target="_blank" leftSection={<IconApi size={16} />}>API docs</Menu.Item>
              <Menu.Item color="red" leftSection={<IconLogout size={16} />} onClick={() => signOut.mutate()}>Sign out</Menu.Item>
            </Menu.Dropdown>
          </Menu>
        </Group>
      </AppShell.Header>

      <AppShell.Navbar p="sm" aria-label="Main navigation">
        <AppShell.Section grow component={ScrollArea}>
          <Stack gap={4}>
            {items.map((item) => (
              <NavLink
                key={item.to}
                component={RouterLink}
                to={item.to}
                label={item.label}
                leftSection={<item.icon size={18} stroke={1.7} />}
                active={location.pathname.startsWith(item.to)}
                onClick={nav.close}
                variant="light"
                style={{ borderRadius: 'var(--mantine-radius-md)' }}
                fw={500}
              />
            ))}
          </Stack>
        </AppShell.Section>
        <AppShell.Section>
          <Divider my="sm" />
          <NavLink
            component="a"
            href="/docs"
            target="_blank"
            rel="noreferrer"
            label="API docs"
            leftSection={<IconApi size={18} stroke={1.7} />}
            rightSection={<IconExternalLink size={14} />}
            style={{ borderRadius: 'var(--mantine-radius-md)' }}
          />
          <NavLink
            component="button"
            label="Sign out"
            leftSection={<IconLogout size={18} stroke={1.7} />}
            onClick={() => signOut.mutate()}
            disabled={signOut.isPending}
            style={{ borderRadius: 'var(--mantine-radius-md)' }}
          />
        </AppShell.Section>
      </AppShell.Navbar>

      <AppShell.Main>
        <div style={{ maxWidth: 1280, margin: '0 auto' }}>{children}</div>
      </AppShell.Main>
    </AppShell>
  );
}
