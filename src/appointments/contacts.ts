/**
 * Two people are each other's contacts (may see each other's presence) while they share a
 * visit in progress, or a scheduled one that is not over and starts within this horizon. The
 * rule itself is the database function `appointment_contacts`, which presence and the socket
 * directory call in the same statement as their changes.
 */
export const CONTACT_HORIZON = '24 hours';
