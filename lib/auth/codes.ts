/** The error code the credentials provider throws once the sign-in limit is reached (shared by server and form). */
export const RATE_LIMITED = "RateLimited";
