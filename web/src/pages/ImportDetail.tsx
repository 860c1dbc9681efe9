import { PageHeader } from '../components/Layout';

export function ImportDetail() {
  return <PageHeader title="ImportDetail" />;
}
