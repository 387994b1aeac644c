/** The roles of accounts: what registration and an admin can create, and log in with a password. */
export const ROLES = ['patient', 'clinician', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/**
 * A guest is not an account: the user made when a visit invite is redeemed (PRODUCT §9), with no
 * email or password, whose only login is scoped to that one visit.
 */
export const GUEST_ROLE = 'guest';

/** Every role a user row, a login or a caller may have. */
export type UserRole = Role | typeof GUEST_ROLE;
