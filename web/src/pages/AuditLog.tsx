import { PageHeader } from '../components/Layout';

export function AuditLog() {
  return <PageHeader title="AuditLog" />;
}
