import { PageHeader } from '../components/Layout';

export function SuppressionRules() {
  return <PageHeader title="SuppressionRules" />;
}
