export {
  ensureBucket,
  type PayloadStore,
  S3PayloadStore,
  type S3PayloadStoreOptions,
} from "./payload-store.ts";
