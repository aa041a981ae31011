import { notifications } from '@mantine/notifications';
import { ApiError, type FieldIssue } from './api.ts';

/** A short green confirmation. */
export function notifySuccess(message: string): void {
  notifications.show({ color: 'teal', title: 'Done', message, autoClose: 3000 });
}

/** The message to show a person for any thrown value. */
export function messageOf(error: unknown): string {
  if (error instanceof ApiError || error instanceof Error) return error.message;
  return 'Something went wrong';
}

/** A red notification for a failure that no single input can show. */
export function notifyError(error: unknown, title = 'That did not work', issues?: readonly FieldIssue[]): void {
  const message = issues && issues.length > 0 ? issues.map((issue) => `${issue.field || 'input'}: ${issue.message}`).join('\n') : messageOf(error);
  notifications.show({ color: 'red', title, message, autoClose: 8000, style: { whiteSpace: 'pre-line' } });
}
