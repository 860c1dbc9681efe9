import { PageHeader } from '../components/Layout';

export function ContactDetail() {
  return <PageHeader title="ContactDetail" />;
}
