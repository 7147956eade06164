// A tiny client-side router over the History API. Paths have no file extension (/, /items/:id,
// /activity, /account, /signin, /signup, /confirm, /forgot-password, /reset-password), so
// CloudFront serves index.html for all of them.

import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  type AnchorHTMLAttributes,
  type MouseEvent,
  type ReactNode,
} from 'react';

export type Route =
  | { name: 'items' }
  | { name: 'item'; id: string }
  | { name: 'activity' }
  | { name: 'account' }
  | { name: 'signin' }
  | { name: 'signup' }
  | { name: 'confirm' }
  | { name: 'forgotPassword' }
  | { name: 'resetPassword' }
  | { name: 'notFound' };

/** Routes a signed-out user may see. */
export const PUBLIC_ROUTES: ReadonlySet<Route['name']> = new Set([
  'signin',
  'signup',
  'confirm',
  'forgotPassword',
  'resetPassword',
  'notFound',
]);

export function matchRoute(pathname: string): Route {
  const path = pathname.replace(/\/+$/, '') || '/';
  if (path === '/' || path === '/items') return { name: 'items' };
  if (path === '/activity') return { name: 'activity' };
  if (path === '/signin') return { name: 'signin' };
  if (path === '/signup') return { name: 'signup' };
  if (path === '/confirm') return { name: 'confirm' };
  if (path === '/account') return { name: 'account' };
  if (path === '/forgot-password') return { name: 'forgotPassword' };
  if (path === '/reset-password') return { name: 'resetPassword' };
  const m = /^\/items\/([^/]+)$/.exec(path);
  if (m) {
    try {
      return { name: 'item', id: decodeURIComponent(m[1]!) };
    } catch {
      return { name: 'notFound' };
    }
  }
  return { name: 'notFound' };
}

interface Location {
  pathname: string;
  search: string;
  /** How many client-side navigations happened before this location (0 on first load). */
  navigations: number;
}

interface RouterValue {
  location: Location;
  route: Route;
  query: URLSearchParams;
  navigate(to: string, opts?: { replace?: boolean }): void;
}

const RouterContext = createContext<RouterValue | null>(null);

function current(navigations: number): Location {
  return { pathname: window.location.pathname, search: window.location.search, navigations };
}

export function RouterProvider({ children }: { children: ReactNode }) {
  const [location, setLocation] = useState<Location>(() => current(0));
  const count = useRef(0);

  useEffect(() => {
    const onPop = () => setLocation(current(++count.current));
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);

  const navigate = useCallback((to: string, opts?: { replace?: boolean }) => {
    const target = new URL(to, window.location.href);
    const next = target.pathname + target.search;
    if (next === window.location.pathname + window.location.search) {
      setLocation(current(++count.current));
      return;
    }
    if (opts?.replace) window.history.replaceState(null, '', next);
    else window.history.pushState(null, '', next);
    window.scrollTo?.(0, 0);
    setLocation(current(++count.current));
  }, []);

  const value = useMemo<RouterValue>(
    () => ({
      location,
      route: matchRoute(location.pathname),
      query: new URLSearchParams(location.search),
      navigate,
    }),
    [location, navigate],
  );
  return <RouterContext.Provider value={value}>{children}</RouterContext.Provider>;
}

export function useRouter(): RouterValue {
  const v = useContext(RouterContext);
  if (!v) throw new Error('useRouter outside RouterProvider');
  return v;
}

type LinkProps = AnchorHTMLAttributes<HTMLAnchorElement> & { to: string };

/** An <a href> that navigates without a page load (modifier-clicks still open new tabs). */
export function Link({ to, onClick, children, ...rest }: LinkProps) {
  const { navigate } = useRouter();
  const handle = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return (
    <a href={to} onClick={handle} {...rest}>
      {children}
    </a>
  );
}
