// The auth and user payloads are declared by the server's routes (server/src/modules/auth,
// server/src/modules/users) and not exported by @herald/shared; these mirror them.

export const roles = ['admin', 'editor', 'approver', 'viewer'] as const;
export type Role = (typeof roles)[number];

/** The signed-in caller, as GET /api/auth/me answers. */
export type Me = { kind: 'user' | 'token'; id: string; email: string | null; name: string | null; role: Role };

export type User = { id: string; email: string; name: string; role: Role; createdAt: string };

export type ApiToken = { id: string; name: string; prefix: string; role: Role; lastUsedAt: string | null; createdAt: string };

/** What each role may do in the UI; the server enforces the same rules. */
export const roleDescriptions: Record<Role, string> = {
  admin: 'Everything, including users and API tokens',
  editor: 'Create and change templates, recipients and schedules',
  approver: 'Read everything and approve sends',
  viewer: 'Read only',
};
