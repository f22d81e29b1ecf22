/*  fuzz_misp.c — the MISP answer parsers: events/restSearch pages (and each
    event's attributes, as the misp-events source flattens them) and
    attributes/restSearch pages with the misp-search summary. */
#include "vendor_parsers.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fs_err_t e = {0};
    json_t *events = misp_events_page((const char *)data, size, &e);
    size_t i;
    json_t *ev;
    json_array_foreach(events, i, ev)
    {
        json_decref(misp_event_attributes(ev, true));
        json_decref(misp_event_attributes(ev, false));
    }
    json_decref(events);
    json_t *attrs = misp_attributes_page((const char *)data, size, &e);
    if (attrs)
        json_decref(misp_search_summary(attrs, false));
    json_decref(attrs);
    return 0;
}
