import { releaseRecordSuite } from "./release-record.test";

releaseRecordSuite("s3");
