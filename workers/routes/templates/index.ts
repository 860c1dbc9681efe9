// Templates: CRUD (crud.ts) and the preview of a body as a recipient would get it (preview.ts).
// One sub-app per concern, mounted together.
import { createRouter } from '../../http/router';
import { templateCrudRoutes } from './crud';
import { templatePreviewRoutes } from './preview';

export const templateRoutes = createRouter().route('/', templateCrudRoutes).route('/', templatePreviewRoutes);
