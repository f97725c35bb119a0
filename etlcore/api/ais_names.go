package api

// AIStore's paths, query values and headers that etlcore serves so that
// AIStore's own clients (the ais CLI, aisloader, the Go and Python SDKs)
// work with it unchanged.
const (
	// PathDaemon is AIStore's node endpoint (?what=smap|node_status|...).
	PathDaemon = "/v1/daemon"
	// PathReverseDaemon is the same, answered for the node named by the
	// Ais-Node-Id header.
	PathReverseDaemon = "/v1/reverse/daemon"
	// PathBucketList is AIStore's list-buckets path (no trailing slash).
	PathBucketList = "/v1/buckets"
	// PathDownload and PathSort list AIStore's downloader and dsort jobs.
	PathDownload = "/v1/download"
	PathSort     = "/v1/sort"

	WhatSmap          = "smap"
	WhatBMD           = "bmd"
	WhatNodeStatus    = "node_status"
	WhatNodeStats     = "node_stats"
	WhatClusterConfig = "cluster_config"
	WhatNodeConfig    = "config"
	WhatBackends      = "backends"
	WhatXactStatus    = "status"
	WhatXactStatusAll = "status_all"
	WhatXactQuery     = "qryxstats"
	WhatXactStats     = "getxstats"
	WhatXactRunning   = "running_all"
	WhatBckSummary    = "summary"

	// ActSummaryBck is AIStore's bucket summary (GET /v1/buckets/NAME).
	ActSummaryBck = "summary-bck"
	// ActXactStart and ActXactStop start and abort a job (PUT /v1/cluster).
	ActXactStart = "start"
	ActXactStop  = "stop"
	// ActStoreCleanup is AIStore's storage cleanup job: it removes what
	// destroyed buckets left (and, in AIStore, old work files and
	// misplaced copies).
	ActStoreCleanup = "cleanup-store"

	HdrBucketProps = "Ais-Bucket-Props"
	HdrBucketInfo  = "Ais-Bucket-Info"
	HdrObjVersion  = "Ais-Version"
	HdrObjAtime    = "Ais-Atime"
	HdrAccept      = "Accept"
	HdrContentType = "Content-Type"

	// ContentMsgPack is the media type of a msgpack answer, which AIStore's
	// clients ask for first when listing objects.
	ContentMsgPack = "application/msgpack"
)
