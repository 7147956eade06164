// Signing out on this device, the same from the header and the account page.

import { useAnnounce } from './components/ui';
import { useRouter } from './router';
import { useServices } from './services';

/**
 * Signs out here (the refresh token's revocation is best effort and not waited for), says so, and
 * goes to sign-in.
 */
export function useSignOut(): () => void {
  const { auth } = useServices();
  const { navigate } = useRouter();
  const announce = useAnnounce();
  return () => {
    void auth.signOut();
    announce('Signed out.');
    navigate('/signin', { replace: true });
  };
}
