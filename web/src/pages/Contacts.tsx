import { PageHeader } from '../components/Layout';

export function Contacts() {
  return <PageHeader title="Contacts" />;
}
