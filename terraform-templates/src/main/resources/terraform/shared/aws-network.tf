# Where the cluster lives, chosen as `jcloud cluster up` chooses it: the given subnets, the subnets
# of the given VPC, the default subnets of the region's default VPC, or, with create_vpc, a
# dedicated VPC with one public subnet, an internet gateway and a default route, all tagged with
# the cluster and removed with it. The scheduler and workers talk over private addresses inside it.

locals {
  use_existing = !var.create_vpc && length(var.subnet_ids) == 0
}

data "aws_vpc" "default" {
  count   = local.use_existing && var.vpc_id == "" ? 1 : 0
  default = true
}

data "aws_subnets" "existing" {
  count = local.use_existing ? 1 : 0

  filter {
    name   = "vpc-id"
    values = [var.vpc_id != "" ? var.vpc_id : data.aws_vpc.default[0].id]
  }

  # In the default VPC, only its default subnets (one per zone, with public addresses).
  dynamic "filter" {
    for_each = var.vpc_id == "" ? [true] : []
    content {
      name   = "default-for-az"
      values = ["true"]
    }
  }
}

resource "aws_vpc" "cluster" {
  count                = var.create_vpc ? 1 : 0
  cidr_block           = var.vpc_cidr
  enable_dns_support   = true
  enable_dns_hostnames = true
  tags                 = merge(local.tags, { "Name" = local.base_name })

  lifecycle {
    precondition {
      condition     = length(var.subnet_ids) == 0 && var.vpc_id == ""
      error_message = "create_vpc = true makes a new VPC: leave subnet_ids and vpc_id empty, or set create_vpc = false."
    }
  }
}

resource "aws_subnet" "cluster" {
  count  = var.create_vpc ? 1 : 0
  vpc_id = aws_vpc.cluster[0].id
  # Public addresses so that machines reach the engine download and allow_from reaches the scheduler.
  cidr_block              = var.subnet_cidr
  map_public_ip_on_launch = true
  tags                    = merge(local.tags, { "Name" = local.base_name })
}

resource "aws_internet_gateway" "cluster" {
  count  = var.create_vpc ? 1 : 0
  vpc_id = aws_vpc.cluster[0].id
  tags   = merge(local.tags, { "Name" = local.base_name })
}

resource "aws_route_table" "cluster" {
  count  = var.create_vpc ? 1 : 0
  vpc_id = aws_vpc.cluster[0].id
  tags   = merge(local.tags, { "Name" = local.base_name })

  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.cluster[0].id
  }
}

resource "aws_route_table_association" "cluster" {
  count          = var.create_vpc ? 1 : 0
  subnet_id      = aws_subnet.cluster[0].id
  route_table_id = aws_route_table.cluster[0].id
}

locals {
  # Sorted so that every plan picks the same first subnet.
  subnet_ids = var.create_vpc ? aws_subnet.cluster[*].id : (
    length(var.subnet_ids) > 0 ? var.subnet_ids : sort(data.aws_subnets.existing[0].ids)
  )
  vpc_id = var.create_vpc ? aws_vpc.cluster[0].id : data.aws_subnet.first[0].vpc_id
}

data "aws_subnet" "first" {
  count = var.create_vpc ? 0 : 1
  id    = try(local.subnet_ids[0], "none")

  lifecycle {
    precondition {
      condition     = length(local.subnet_ids) > 0
      error_message = "No subnet found (the region has no default VPC, or vpc_id has no subnet): set create_vpc = true, or give subnet_ids."
    }
    precondition {
      condition     = length(var.subnet_ids) == 0 || var.vpc_id == ""
      error_message = "Give subnet_ids or vpc_id, not both."
    }
  }
}
