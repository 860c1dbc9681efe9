// Contacts: CRUD and timeline (crud.ts), tags across contacts and bulk tagging (tags.ts), the CSV
// export (export.ts). The tag and export routes are mounted first, so `/contacts/tags` and
// `/contacts.csv` are never read as `/contacts/{id}`.
import { createRouter } from '../../http/router';
import { contactCrudRoutes } from './crud';
import { contactExportRoutes } from './export';
import { contactTagRoutes } from './tags';

export { contactJson } from './schemas';

export const contactRoutes = createRouter()
  .route('/', contactTagRoutes)
  .route('/', contactExportRoutes)
  .route('/', contactCrudRoutes);
