import { PageHeader } from '../components/Layout';

export function Users() {
  return <PageHeader title="Users" />;
}
