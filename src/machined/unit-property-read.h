/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-bus.h>

#include "unit-property.h"

/* Reads CreateMachine's scope_properties, a(sv) as StartTransientUnit takes them (CPUQuotaPerSecUSec,
 * AllowedCPUs as a bit mask, ...), with the parser's validation. An unknown name, a wrong type or a bad
 * value sets an InvalidArgs error naming the property. *ret is NULL when the array is empty. */
int unit_properties_read_bus(sd_bus_message *m, UnitProperties **ret, sd_bus_error *error);
