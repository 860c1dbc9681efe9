import { PageHeader } from '../components/Layout';

export function DoNotContact() {
  return <PageHeader title="DoNotContact" />;
}
