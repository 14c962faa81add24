# {{cluster_id}} {{nthreads}} {{memory_limit}} {{allow_from}} {{jcloud_version}}
