import { releaseRecordSuite } from "./release-record.test";

releaseRecordSuite("gcs");
