import { Alert, Button, Center, Paper, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { IconAlertCircle } from '@tabler/icons-react';
import { Logo } from '../components/Logo.tsx';
import { api, ApiError } from '../lib/api.ts';
import { splitIssues } from '../lib/form-errors.ts';
import { messageOf } from '../lib/notify.ts';
import type { Me } from './types.ts';
import { meKey } from './use-me.ts';

/** The page everyone sees until they sign in. */
export function SignInPage() {
  const queryClient = useQueryClient();
  const form = useForm({
    initialValues: { email: '', password: '' },
    validate: {
      email: (value) => (/^\S+@\S+$/.test(value.trim()) ? null : 'Enter the email address of your account'),
      password: (value) => (value ? null : 'Enter your password'),
    },
  });
  const signIn = useMutation({
    mutationFn: (values: typeof form.values) => api.post<Me>('/auth/login', { email: values.email.trim(), password: values.password }),
    onSuccess: (me) => {
      queryClient.setQueryData(meKey, me);
    },
    onError: (error) => {
      if (error instanceof ApiError) form.setErrors(splitIssues(error.issues).fieldErrors);
    },
  });
  const isWrongPassword = signIn.error instanceof ApiError && signIn.error.status === 401;

  return (
    <Center mih="100dvh" p="md" bg="var(--mantine-color-gray-0)">
      <Stack w="100%" maw={400} gap="lg">
        <Center><Logo size="lg" /></Center>
        <Paper withBorder shadow="sm" p={{ base: 'lg', sm: 'xl' }} radius="lg">
          <form onSubmit={form.onSubmit((values) => signIn.mutate(values))} noValidate>
            <Stack gap="md">
              <div>
                <Title order={2} fz="h3">Sign in</Title>
                <Text c="dimmed" fz="sm">Schedule notifications your users want to get.</Text>
              </div>
              {signIn.isError && (
                <Alert color="red" variant="light" icon={<IconAlertCircle size={18} />} role="alert">
                  {isWrongPassword ? 'Wrong email or password.' : messageOf(signIn.error)}
                </Alert>
              )}
              <TextInput label="Email" type="email" autoComplete="username" placeholder="you@company.com" required {...form.getInputProps('email')} />
              <PasswordInput label="Password" autoComplete="current-password" required visibilityToggleButtonProps={{ 'aria-label': 'Show or hide what you typed' }} {...form.getInputProps('password')} />
              <Button type="submit" fullWidth loading={signIn.isPending} mt="xs">Sign in</Button>
            </Stack>
          </form>
        </Paper>
      </Stack>
    </Center>
  );
}
