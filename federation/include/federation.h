/*  federation.h — TRANSITION ONLY: the umbrella of the federation
    library's four faces.  New code includes the face it uses:
      fsp.h      the FSP/1 wire protocol (docs/protocol.md)
      openc2.h   the OpenC2 model and validation (docs/openc2.md)
      routing.h  command routing (docs/internals/routing.md)
      keys.h     key layout and Ed25519 signing (keystore.h: who a key is)
    This file goes away once no file includes it. */
#ifndef FEDSOAR_FEDERATION_H
#define FEDSOAR_FEDERATION_H

#include "fsp.h"
#include "keys.h"
#include "openc2.h"
#include "routing.h"

#endif
