/* SPDX-License-Identifier: MIT */
/*
 * The DLPack ABI (https://github.com/dmlc/dlpack, include/dlpack/dlpack.h,
 * version 1.0): just the structures a producer fills. Field order and
 * types must match the upstream header exactly.
 */
#ifndef MVIEW_PYTHON_DLPACK_H
#define MVIEW_PYTHON_DLPACK_H

#include <stdint.h>

#define DLPACK_MAJOR_VERSION		1
#define DLPACK_MINOR_VERSION		0

#define DLPACK_FLAG_BITMASK_READ_ONLY	(1ULL << 0)
#define DLPACK_FLAG_BITMASK_IS_COPIED	(1ULL << 1)

typedef struct {
	uint32_t	major;
	uint32_t	minor;
} DLPackVersion;

typedef enum {
	kDLCPU = 1,
} DLDeviceType;

typedef struct {
	DLDeviceType	device_type;
	int32_t		device_id;
} DLDevice;

typedef enum {
	kDLInt = 0U,
	kDLUInt = 1U,
	kDLFloat = 2U,
	kDLOpaqueHandle = 3U,
	kDLBfloat = 4U,
	kDLComplex = 5U,
	kDLBool = 6U,
} DLDataTypeCode;

typedef struct {
	uint8_t		code;
	uint8_t		bits;
	uint16_t	lanes;
} DLDataType;

typedef struct {
	void		*data;
	DLDevice	 device;
	int32_t		 ndim;
	DLDataType	 dtype;
	int64_t		*shape;
	int64_t		*strides;	/* in elements; NULL: compact, row-major */
	uint64_t	 byte_offset;
} DLTensor;

/* The legacy capsule "dltensor". */
typedef struct DLManagedTensor {
	DLTensor	 dl_tensor;
	void		*manager_ctx;
	void		(*deleter)(struct DLManagedTensor *self);
} DLManagedTensor;

/* The versioned capsule "dltensor_versioned" (DLPack >= 1.0). */
typedef struct DLManagedTensorVersioned {
	DLPackVersion	 version;
	void		*manager_ctx;
	void		(*deleter)(struct DLManagedTensorVersioned *self);
	uint64_t	 flags;
	DLTensor	 dl_tensor;
} DLManagedTensorVersioned;

#endif /* MVIEW_PYTHON_DLPACK_H */
