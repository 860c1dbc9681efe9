// Two-way conversations (issue 12): the list, the thread and its state, staff replies. One
// sub-app per concern, mounted together. Docs: docs/conversations.md.
import { createRouter } from '../../http/router';
import { conversationListRoutes } from './list';
import { conversationReplyRoutes } from './reply';
import { conversationThreadRoutes } from './thread';

export const conversationRoutes = createRouter()
  .route('/', conversationListRoutes)
  .route('/', conversationReplyRoutes)
  .route('/', conversationThreadRoutes);
