import { PageHeader } from '../components/Layout';

export function Settings() {
  return <PageHeader title="Settings" />;
}
