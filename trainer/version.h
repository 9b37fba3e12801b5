#ifndef YC_VERSION_H
#define YC_VERSION_H

#define YC_VERSION "0.1.0"

#endif
