import { releaseRecordSuite } from "./release-record.test";

releaseRecordSuite("azureblob");
