import { EmptyState } from '../components/EmptyState';
import { PageHeader } from '../components/Layout';

export function NotFound() {
  return (
    <>
      <PageHeader title="Page not found" />
      <EmptyState title="There is no page at this address.">
        <a href="/">Go to the dashboard</a>
      </EmptyState>
    </>
  );
}
