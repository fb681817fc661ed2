export { PutEventsError } from "./errors.ts";
export {
  EventBridgeNotifier,
  type EventBridgeNotifierOptions,
  LAUNCH_DETAIL_TYPE,
  THREAD_DONE_DETAIL_TYPE,
  THREAD_FAILED_DETAIL_TYPE,
  THREAD_WAITING_DETAIL_TYPE,
} from "./eventbridge-notifier.ts";
