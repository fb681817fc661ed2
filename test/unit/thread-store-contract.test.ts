import { MemoryThreadStore } from "../../shared/testing/index.ts";
import { describeThreadStoreContract } from "../contract/thread-store.contract.ts";

describeThreadStoreContract("MemoryThreadStore", () => new MemoryThreadStore());
