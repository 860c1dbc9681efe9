import { PageHeader } from '../components/Layout';

export function Imports() {
  return <PageHeader title="Imports" />;
}
