import { EmptyState } from '../components/EmptyState';
import { PageHeader } from '../components/Layout';

export function TemplateDetail() {
  return (
    <>
      <PageHeader title="Template" />
      <EmptyState title="This template could not be shown yet." />
    </>
  );
}
