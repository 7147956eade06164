import { PageHeading } from '../components/ui';
import { Link } from '../router';

export function NotFound() {
  return (
    <section>
      <PageHeading title="Page not found">Page not found</PageHeading>
      <p>There is nothing at this address.</p>
      <p>
        <Link to="/">Go to your items</Link>
      </p>
    </section>
  );
}
