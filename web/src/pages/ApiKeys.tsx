import { PageHeader } from '../components/Layout';

export function ApiKeys() {
  return <PageHeader title="ApiKeys" />;
}
