// core/perception: what the models see in a frame, computed once per frame and shared by every
// filter of a chain (matte, remove, replace, add, motion-transfer).
//
// Per-frame results are memoised in the frame's side data under "perception/..." keys, so a
// second filter that asks for the same analysis of the same frame gets it for free (side data
// survives native libavfilter segments; a result whose frame size no longer matches is ignored).
// Results are kept at the model's resolution (cheap to carry); refine_matte() brings a
// probability map to frame resolution, aligned to the frame's edges and steady over time.
//
// Stateful analyses (the salient mask carried along optical flow between sparse ISNet runs, pose
// tracking) are objects a filter owns, one per stream. No LibTorch here: inference goes through
// torch_api().infer (core/model/torch_module.h).
#pragma once
#include "core/perception/anchors.h"
#include "core/perception/faces.h"
#include "core/perception/hands.h"
#include "core/perception/mattes.h"
#include "core/perception/models.h"
#include "core/perception/objects.h"
#include "core/perception/people.h"
#include "core/perception/pose.h"
#include "core/perception/salient.h"
#include "core/perception/targets.h"
#include "core/perception/tracking.h"
#include "core/perception/video_matte.h"
