import { z } from 'zod';

export const roles = ['admin', 'editor', 'approver', 'viewer'] as const;
export const roleSchema = z.enum(roles);
export type Role = z.infer<typeof roleSchema>;

/** What a route needs. Each role's grants are listed here and nowhere else. */
export type Permission = 'read' | 'write' | 'approve' | 'admin';

const grants: Record<Role, readonly Permission[]> = {
  admin: ['read', 'write', 'approve', 'admin'],
  editor: ['read', 'write'],
  approver: ['read', 'approve'],
  viewer: ['read'],
};

export function canRole(role: Role, permission: Permission): boolean {
  return grants[role].includes(permission);
}
