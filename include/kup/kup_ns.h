/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The module namespace of every KUP export. Names such as tunnel_read are
 * generic; in a namespace they cannot clash with another module's, and a
 * client states what it uses: KUP_MODULE_IMPORT_NS(), which is
 * MODULE_IMPORT_NS(KUP) (a string, "KUP", from Linux 6.13 on).
 */
#ifndef _KUP_KUP_NS_H
#define _KUP_KUP_NS_H

#include <linux/export.h>
#include <linux/module.h>
#include <kup/kup_compat.h>

#define KUP_MODULE_IMPORT_NS()	MODULE_IMPORT_NS(KUP_NS_ID)
#define KUP_EXPORT(sym)		EXPORT_SYMBOL_NS_GPL(sym, KUP_NS_ID)

#endif /* _KUP_KUP_NS_H */
