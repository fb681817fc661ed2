export { PutEventsError } from "./errors.ts";
export {
  EventBridgeNotifier,
  type EventBridgeNotifierOptions,
  THREAD_WAITING_DETAIL_TYPE,
} from "./eventbridge-notifier.ts";
