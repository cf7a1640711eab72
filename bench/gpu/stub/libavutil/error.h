// Stand-in for FFmpeg's libavutil/error.h on a machine without FFmpeg (the GPU bench builds only
// the model core, whose one use of FFmpeg is core/error.cpp's error text for AVERROR codes).
#pragma once
#include <stdio.h>
#define AV_ERROR_MAX_STRING_SIZE 64
static inline int av_strerror(int errnum, char* buf, size_t size) { return snprintf(buf, size, "error %d", errnum) < 0 ? -1 : 0; }
