// Pure constants shared by models (server) and pages (browser): no mongoose here.
export const ROLES = ['admin', 'cs', 'sales', 'leadership', 'marketing'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Record<Role, string> = {
  admin: 'Admin',
  cs: 'Customer success',
  sales: 'Sales (account executive)',
  leadership: 'Leadership',
  marketing: 'Marketing',
};
